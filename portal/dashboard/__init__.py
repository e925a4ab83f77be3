"""The chairman's dashboard: satisfaction and feedback figures of a ward for a chosen
month, quarter or year beside the previous one, and the city-wide comparison."""
