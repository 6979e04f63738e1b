require "foo";
keep;
