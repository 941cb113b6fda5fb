"""The whole app's benchmark (`manage.py benchmark`) and its HTTP load test (`make load`, benchmarks/load.sh)."""
