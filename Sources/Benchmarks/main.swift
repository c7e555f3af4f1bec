print("benchmarks: coming soon")
