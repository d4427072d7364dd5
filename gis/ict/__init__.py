"""ICT resources against norms (issue 20): what each school has and lacks, the procurement
plan that fills the shortfalls within a budget, and the price lists it is priced from."""
