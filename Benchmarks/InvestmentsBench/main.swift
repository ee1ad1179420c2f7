import InvestmentsService

// `make bench` (scripts/bench.sh): the investments money rules on realistic sizes, medians of 20 runs.
print(try InvestmentsBenchmark.report())
