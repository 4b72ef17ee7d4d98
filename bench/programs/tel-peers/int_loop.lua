-- TEL vs LuaJIT vs C benchmark (bench/benches/tel_peers.rs): a 10^8-iteration integer loop (int_loop.tel).
-- All values stay below 2^53, so LuaJIT's doubles are exact and its % agrees with TEL's.
local sum = 0
local i = 0
while i < 100000000 do
    sum = sum + (i * 31 + 7) % 1009
    i = i + 1
end
print(string.format("%.0f", sum))
