using CompliancePortal.Core.Search;
using Microsoft.Extensions.Options;

namespace CompliancePortal.Tests.Search;

/// <summary>Ingest requests held while the vectors' lag is over Search:MaxUnvectorized (no database: the readings are given).</summary>
public sealed class VectorBacklogGateTests
{
    private static VectorBacklogGate Gate(long max, int waitMilliseconds = 10_000) =>
        new(Options.Create(new SearchOptions { MaxUnvectorized = max, UnvectorizedWaitMilliseconds = waitMilliseconds }), TimeProvider.System);

    [Fact]
    public async Task Requests_GoAtOnceUnderTheBound_WaitOverIt_AndAllGoAtTheFirstReadingAtOrUnderIt()
    {
        var gate = Gate(100);
        Assert.Equal(GateEntry.AtOnce, await gate.EnterAsync(CancellationToken.None));

        gate.OnVectorLagRead(101);
        var first = gate.EnterAsync(CancellationToken.None);
        var second = gate.EnterAsync(CancellationToken.None);
        Assert.True(gate.Closed);
        Assert.False(first.IsCompleted);

        gate.OnVectorLagRead(150);   // still over: both keep waiting
        Assert.False(first.IsCompleted || second.IsCompleted);

        gate.OnVectorLagRead(100);
        Assert.True((await first.WaitAsync(TimeSpan.FromSeconds(5))) is { Entered: true, Waited.Ticks: > 0 });
        Assert.True((await second.WaitAsync(TimeSpan.FromSeconds(5))) is { Entered: true, Waited.Ticks: > 0 });
        Assert.False(gate.Closed);
        Assert.Equal(GateEntry.AtOnce, await gate.EnterAsync(CancellationToken.None));
    }

    [Fact]
    public async Task ARequestWithNoReadingUnderTheBoundWithinTheWait_IsRefused()
    {
        var gate = Gate(100, waitMilliseconds: 100);
        gate.OnVectorLagRead(500);

        var refused = await gate.EnterAsync(CancellationToken.None);
        Assert.False(refused.Entered);
        Assert.True(refused.Waited >= TimeSpan.FromMilliseconds(90), $"waited {refused.Waited}");

        // A later reading under the bound still opens the gate for the next one.
        gate.OnVectorLagRead(0);
        Assert.Equal(GateEntry.AtOnce, await gate.EnterAsync(CancellationToken.None));
    }

    [Fact]
    public async Task AWaitingRequestWhoseClientLeft_EndsCancelled()
    {
        var gate = Gate(100);
        gate.OnVectorLagRead(101);
        using var gone = new CancellationTokenSource();
        var waiting = gate.EnterAsync(gone.Token);

        await gone.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting);
        Assert.True(gate.Closed);
    }
}
