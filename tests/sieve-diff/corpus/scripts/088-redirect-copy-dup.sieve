require "copy";
redirect :copy "bob@example.net";
redirect :copy "bob@example.net";
