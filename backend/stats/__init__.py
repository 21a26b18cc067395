"""Department rates (考核统计): the per-department measures of a period and the composite."""
