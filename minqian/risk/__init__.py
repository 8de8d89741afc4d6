"""Risk points, their grades and the labels that carry their scan codes."""
