namespace ContainerLogger.Config;

/// <summary>Docker's ExtraAttributes: labels, then labels-regex, then env, then env-regex; later steps overwrite.</summary>
public static class ExtraAttributes
{
    public static IReadOnlyDictionary<string, string> Build(ContainerInfo info, OptionValues options)
    {
        var attrs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in options.Get(CommonOptions.Labels))
            if (info.Labels.TryGetValue(name, out var v)) attrs[name] = v;
        if (options.Get(CommonOptions.LabelsRegex) is { } labelsRegex)
            foreach (var (k, v) in info.Labels)
                if (labelsRegex.IsMatch(k)) attrs[k] = v;

        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in info.Env)
        {
            int eq = entry.IndexOf('=');
            if (eq >= 0) env[entry[..eq]] = entry[(eq + 1)..];
        }
        if (env.Count == 0) return attrs;
        foreach (var name in options.Get(CommonOptions.Env))
            if (env.TryGetValue(name, out var v)) attrs[name] = v;
        if (options.Get(CommonOptions.EnvRegex) is { } envRegex)
            foreach (var (k, v) in env)
                if (envRegex.IsMatch(k)) attrs[k] = v;
        return attrs;
    }
}
