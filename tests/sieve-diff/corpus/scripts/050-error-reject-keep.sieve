require "reject";
keep;
reject "non";
