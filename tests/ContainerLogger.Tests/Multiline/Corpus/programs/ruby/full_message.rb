# A rescued exception logged with full_message (the format of uncaught ones), then the program goes on.
def risky
  {}.fetch(:missing)
end

begin
  risky
rescue KeyError => e
  $stderr.puts e.full_message(highlight: false)
end
