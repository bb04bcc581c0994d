"""Lead to cash: Sales orders and quotes into Business Central, order status and notes back,
customer statistics and item availability (bc-integration.md 5.9-5.10, seed 003)."""
