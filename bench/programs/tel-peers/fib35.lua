-- TEL vs LuaJIT vs C benchmark (bench/benches/tel_peers.rs): recursive Fibonacci of 35 (fib35.tel).
local function fib(n)
    if n < 2 then return n end
    return fib(n - 1) + fib(n - 2)
end

print(string.format("%.0f", fib(35)))
