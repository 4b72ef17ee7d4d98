-- TEL vs LuaJIT vs C benchmark (bench/benches/tel_peers.rs): an effect performed 10^8 times in a loop
-- under a resuming handler (effect_loop.tel). `perform` is a call of the handler function installed,
-- at run time, in the `handlers` table by `handle`, which restores the outer handler afterwards.
local handlers = {}

local function handle(effect, clause, body)
    local outer = handlers[effect]
    handlers[effect] = clause
    local r = body()
    handlers[effect] = outer
    return r
end

local function count(n)
    local acc = 0
    local i = 0
    while i < n do
        acc = acc + handlers.tick(i % 1000)
        i = i + 1
    end
    return acc
end

local r = handle("tick", function(x) return x + 1 end, function() return count(100000000) end)
print(string.format("%.0f", r))
