"""What a run shows: metrics, figures, the HTML report and the terminal progress display."""
