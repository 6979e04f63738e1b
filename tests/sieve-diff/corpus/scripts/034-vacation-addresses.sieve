require "vacation";
vacation :addresses ["alice@example.com", "eve@example.com"] "Absente";
