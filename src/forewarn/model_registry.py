"""Import every module that defines tables, so ``Base.metadata`` is complete (migrations, tests)."""

from forewarn.audit import models as audit_models
from forewarn.auth import models as auth_models
from forewarn.catalogue import models as catalogue_models
from forewarn.notify import models as notify_models
from forewarn.publish import models as publish_models
from forewarn.readings import models as readings_models
from forewarn.warnings import models as warnings_models

__all__ = [
    "audit_models",
    "auth_models",
    "catalogue_models",
    "notify_models",
    "publish_models",
    "readings_models",
    "warnings_models",
]
