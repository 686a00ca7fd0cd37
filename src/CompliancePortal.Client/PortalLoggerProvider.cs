using Microsoft.Extensions.Logging;

namespace CompliancePortal.Client;

/// <summary>How log records become ledger events (the seed's structlog setup, for .NET's ILogger).</summary>
public sealed class PortalLoggerOptions
{
    /// <summary>Records below this level are not sent.</summary>
    public LogLevel MinimumLevel { get; init; } = LogLevel.Information;

    /// <summary>
    /// Log type by logger category prefix, longest prefix first (e.g. "Trading.Execution" → TRADE);
    /// a record's own `log_type` field wins, and anything else is <see cref="DefaultLogType"/>.
    /// </summary>
    public IReadOnlyDictionary<string, string> LogTypes { get; init; } = new Dictionary<string, string>();

    public string DefaultLogType { get; init; } = "SYSTEM";
}

/// <summary>
/// An <see cref="ILoggerProvider"/> that posts log records through a <see cref="PortalEventClient"/>:
/// `logger.LogInformation(new EventId(1, "trade_executed"), "Trade {trade_id} {asset}", id, asset)`
/// becomes a TRADE (by category) `trade_executed` event with fields trade_id and asset, plus
/// level (INFO, WARNING, ...), logger (the category), message (the rendered text) and, when
/// there is one, exception. The event name is the EventId's name, else the record's own
/// `event` field, else the message template.
/// </summary>
public sealed class PortalLoggerProvider(PortalEventClient client, PortalLoggerOptions? options = null) : ILoggerProvider
{
    private readonly PortalLoggerOptions _options = options ?? new PortalLoggerOptions();

    public ILogger CreateLogger(string categoryName) => new PortalLogger(client, categoryName, _options, LogTypeOf(categoryName));

    public void Dispose()
    {
        // The client belongs to the caller, who flushes and disposes it at shutdown.
    }

    private string LogTypeOf(string category) =>
        _options.LogTypes.Where(p => category.StartsWith(p.Key, StringComparison.Ordinal))
            .OrderByDescending(p => p.Key.Length).Select(p => p.Value).FirstOrDefault() ?? _options.DefaultLogType;

    private sealed class PortalLogger(PortalEventClient client, string category, PortalLoggerOptions options, string logType) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None && logLevel >= options.MinimumLevel;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var data = new Dictionary<string, object?>(StringComparer.Ordinal);
            string? template = null;
            if (state is IEnumerable<KeyValuePair<string, object?>> fields)
                foreach (var (field, value) in fields)
                {
                    if (field == "{OriginalFormat}") template = value as string;
                    else data[field] = value;
                }
            var type = data.Remove("log_type", out var ownType) && ownType is string t ? t : logType;
            var name = !string.IsNullOrEmpty(eventId.Name) ? eventId.Name
                : data.Remove("event", out var ownEvent) && ownEvent is string e && e.Length > 0 ? e
                : template ?? formatter(state, exception);
            data["level"] = LevelOf(logLevel);
            data["logger"] = category;
            data["message"] = formatter(state, exception);
            if (exception is not null) data["exception"] = exception.ToString();
            client.Post(new PortalEvent(type, name.Length <= 100 ? name : name[..100], data));
        }

        /// <summary>The seed's level names.</summary>
        private static string LevelOf(LogLevel level) => level switch
        {
            LogLevel.Trace or LogLevel.Debug => "DEBUG",
            LogLevel.Information => "INFO",
            LogLevel.Warning => "WARNING",
            LogLevel.Error => "ERROR",
            _ => "CRITICAL",
        };
    }
}
