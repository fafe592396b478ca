"""Static lint of model graphs: rules, registry and engine. Never imports keras."""
