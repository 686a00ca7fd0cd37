using CsvHelper;

namespace CompliancePortal.Core.Data;

/// <summary>
/// The one way the portal writes CSV (search export, blotter): RFC 4180, UTF-8, streamed. A text
/// cell that starts with = + - @, a tab or a CR gets an apostrophe in front, so a spreadsheet
/// shows it as text instead of running it as a formula (CSV injection); numbers are written as
/// numbers and keep their sign. The ledger's exact bytes are in event_data and in packages.
/// </summary>
public static class CsvFiles
{
    public static CsvWriter Create(Stream output) =>
        CsvWriter.Create(output, new CsvWriterOptions { Injection = CsvInjection.Escape }, leaveOpen: true);
}
