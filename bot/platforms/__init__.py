"""Platform adapters: each turns platform updates into neutral events and neutral
replies into platform calls, and nothing else."""
