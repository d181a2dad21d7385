# SystemStackError: Ruby elides the repeated frames as "... N levels...".
def down(n)
  down(n + 1)
end

down(0)
