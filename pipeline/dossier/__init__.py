"""From filed documents to the e-dossier PDF: plan and assemble, bút lục, front matter, PDF/A, integrity."""
