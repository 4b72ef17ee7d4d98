-- TEL vs LuaJIT vs C benchmark (bench/benches/tel_peers.rs): a closure made by a function, capturing
-- its parameter, called 10^8 times in a while loop (closures.tel).
local function make_affine(k)
    return function(x) return x * k + 1 end
end

local f = make_affine(3)
local acc = 0
local i = 0
while i < 100000000 do
    acc = acc + f(i % 1000)
    i = i + 1
end
print(string.format("%.0f", acc))
