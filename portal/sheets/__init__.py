"""Tables that a page shows and a file keeps alike: the columns (columns.py: a label, a value,
a format) and the CSV and XLSX files written from them (files.py). Used by the dashboard's
reports and by any list an official downloads (a conference's attendees)."""
