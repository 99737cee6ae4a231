"""From a planned message to a text on a phone: numbers, rendering, segments, outbox, gateways, webhooks."""
