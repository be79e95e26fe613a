"""1C:Управление торговлей 11 over its standard OData interface: a pure adapter."""
