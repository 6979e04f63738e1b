require "vacation";
vacation :handle "h1" :days 2 "Absente";
