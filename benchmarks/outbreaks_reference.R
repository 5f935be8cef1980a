# Run R surveillance's detectors on the series exported by
#   python -m benchmarks outbreaks --export-series DIR
# so that forewarn and R can be compared week by week on identical data:
#   Rscript benchmarks/outbreaks_reference.R DIR/series.csv OUT.csv
#   python -m benchmarks outbreaks --r-weekly OUT.csv
# Rows are appended series by series, so a partial OUT.csv is usable. Needs r-cran-surveillance
# (Debian: apt-get install r-cran-surveillance); for benchmarks only, never for the tests.
suppressPackageStartupMessages(library(surveillance))
args <- commandArgs(trailingOnly = TRUE)
series <- read.csv(args[1])
range <- 576:624
controls <- list(
  farrington_orig = list(range = range, b = 5, w = 3, noPeriods = 1, weightsThreshold = 1,
                         pastWeeksNotIncluded = 3, pThresholdTrend = 0.05, alpha = 0.01,
                         thresholdMethod = "delta", glmWarnings = FALSE),
  farrington_noufaily = list(range = range, b = 5, w = 3, noPeriods = 10,
                             weightsThreshold = 2.58, pastWeeksNotIncluded = 26,
                             pThresholdTrend = 1, alpha = 0.01, thresholdMethod = "nbPlugin",
                             glmWarnings = FALSE)
)
parts <- split(series, list(series$replicate, series$scenario), drop = TRUE)
first <- TRUE
for (part in parts) {
  part <- part[order(part$week), ]
  x <- sts(observed = matrix(part$count, ncol = 1), frequency = 52)
  runs <- list()
  for (m in c("C1", "C2", "C3")) {
    runs[[paste0("ears", m)]] <- earsC(x, control = list(range = range, method = m,
                                                          alpha = 0.01, minSigma = 0.5))
  }
  for (name in names(controls)) {
    runs[[name]] <- suppressWarnings(farringtonFlexible(x, control = controls[[name]]))
  }
  rows <- do.call(rbind, lapply(names(runs), function(name) data.frame(
    scenario = part$scenario[1], replicate = part$replicate[1], week = range, method = name,
    upperbound = as.vector(upperbound(runs[[name]])),
    alarm = as.integer(as.vector(alarms(runs[[name]]))))))
  write.table(rows, args[2], sep = ",", row.names = FALSE, col.names = first, append = !first)
  first <- FALSE
}
