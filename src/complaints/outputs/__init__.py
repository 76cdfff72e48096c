"""What readers get: report tables, charts, wording, trends, editions and pages
(checked -> tables/charts -> HTML)."""
