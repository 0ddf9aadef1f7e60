"""Data-driven attribution: Markov-chain removal effects and Shapley values."""
