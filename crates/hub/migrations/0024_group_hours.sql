-- A ring group's business hours for its digital channels (a flow's `business_hours` step is
-- the voice side): JSON {"timezone", "open": ["mon-fri 09:00-18:00"], "closed_on": [dates]};
-- NULL is always open.
ALTER TABLE ring_groups ADD COLUMN business_hours TEXT;
