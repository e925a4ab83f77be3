"""The public transparency page (trang minh bạch) of a ward and of the city, and its open data."""
