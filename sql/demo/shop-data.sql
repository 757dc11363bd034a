-- Sample rows for the demo (scaled by the psql-style variable :scale is not available here,
-- so the demo substitutes $SCALE before running this).
INSERT INTO categories (parent_id, name) VALUES (NULL, 'all');
INSERT INTO categories (parent_id, name) SELECT 1 + (g - 2) / 3, 'category ' || g FROM generate_series(2, 40) g;
INSERT INTO customers (email, name, balance)
SELECT 'customer' || g || '@example.com', 'Customer ' || g, 100 FROM generate_series(1, 2000 * $SCALE) g;
INSERT INTO products (category_id, name, price, attributes)
SELECT 1 + g % 40, 'product ' || g, (g % 100) + 0.99, jsonb_build_object('sku', 'P' || g) FROM generate_series(1, 500) g;
INSERT INTO orders (customer_id, status)
SELECT 1 + g % (2000 * $SCALE), CASE WHEN g % 7 = 0 THEN 'shipped' ELSE 'new' END FROM generate_series(1, 8000 * $SCALE) g;
INSERT INTO order_lines (order_id, line_no, product_id, qty, amount)
SELECT o, l, 1 + (o * 7 + l) % 500, 1 + l % 3, (1 + l % 3) * 9.99
  FROM generate_series(1, 8000 * $SCALE) o, generate_series(1, 3) l;
