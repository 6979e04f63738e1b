REQUIRE "fileinto";
IF HEADER :IS "X-MULTI" "TWO" { FILEINTO "Upper"; }
