"""Causal estimates of feature effects: difference-in-differences for staggered rollouts
(did.py), propensity-score matching for opt-in features (psm.py), both returning an
Estimate (estimate.py); world.py builds the analyses.causal_estimates rows from marts."""
