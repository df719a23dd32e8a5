"""What the pages share, one module per concern: ``state`` (language and choices kept in the
URL), ``data`` (the warehouse connection and one cached accessor per analytics call),
``format`` (tables and charts in the reader's locale) and ``monitoring`` (statutory
monitoring in words)."""
