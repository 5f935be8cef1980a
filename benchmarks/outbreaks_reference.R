# Run R surveillance's detectors on the series exported by
#   python -m benchmarks outbreaks --export-series DIR
# so that forewarn and R can be compared week by week on identical data.
# Usage: Rscript benchmarks/outbreaks_reference.R DIR/series.csv OUT.csv
# Needs r-cran-surveillance (Debian: apt-get install r-cran-surveillance). Benchmarks only.
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
out <- list()
for (key in unique(paste(series$scenario, series$replicate))) {
  part <- series[paste(series$scenario, series$replicate) == key, ]
  part <- part[order(part$week), ]
  x <- sts(observed = matrix(part$count, ncol = 1), frequency = 52)
  runs <- list()
  for (m in c("C1", "C2", "C3")) {
    runs[[paste0("earsC", m)]] <- earsC(x, control = list(range = range, method = m,
                                                          alpha = 0.01, minSigma = 0.5))
  }
  for (name in names(controls)) {
    runs[[name]] <- suppressWarnings(farringtonFlexible(x, control = controls[[name]]))
  }
  for (name in names(runs)) {
    out[[length(out) + 1]] <- data.frame(
      scenario = part$scenario[1], replicate = part$replicate[1], week = range,
      method = name, upperbound = as.vector(upperbound(runs[[name]])),
      alarm = as.integer(as.vector(alarms(runs[[name]]))))
  }
}
write.csv(do.call(rbind, out), args[2], row.names = FALSE)
