require ["variables","fileinto"];
if header :matches "from" "*<*@*>" { set :lower "d" "${3}"; fileinto "${d}"; }
