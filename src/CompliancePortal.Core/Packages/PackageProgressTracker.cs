namespace CompliancePortal.Core.Packages;

/// <summary>Turns records written into a percentage; reports each new percent, and saves every tenth to the row.</summary>
internal sealed class ProgressTracker(Func<PackageProgress, Task> report, Func<Guid, int, Task> save, Guid id, long total)
{
    private long _done;
    private int _percent;
    private string _stage = "";

    public async Task StageAsync(string stage)
    {
        _stage = stage;
        await report(new PackageProgress(id, PackageStatus.Building, _percent, stage));
    }

    public async ValueTask AdvanceAsync(long records)
    {
        _done += records;
        var percent = total == 0 ? 0 : (int)Math.Min(98, _done * 100 / total);
        if (percent == _percent) return;
        var tenth = percent / 10 != _percent / 10;
        _percent = percent;
        await report(new PackageProgress(id, PackageStatus.Building, percent, _stage));
        if (tenth) await save(id, percent);
    }
}
