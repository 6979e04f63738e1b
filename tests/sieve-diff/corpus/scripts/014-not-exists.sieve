if not exists ["x-spam-score", "message-id"] { discard; }
