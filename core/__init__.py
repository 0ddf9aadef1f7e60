"""Settings, the warehouse connection and the landing contract: what every other package shares."""
