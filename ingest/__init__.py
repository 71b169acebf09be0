"""Where scans come from: batch folders, watched folders, the archive, quarantine, the queue."""
