# NoMethodError on nil: error_highlight prints the failing code and carets inside the message.
Config = Struct.new(:database)

def database_host(config)
  config.database.host
end

def start
  database_host(Config.new(nil))
end

start
