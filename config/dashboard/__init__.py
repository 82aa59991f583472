"""The admin as a desk: its index (the desk's pages first, the operators' tables under
"Operations") and the dashboard of the last 30 days."""
