if size :under 4G { discard; }
