"""liasse's benchmarks: each prints measured figures against a baseline measured in the same run."""
