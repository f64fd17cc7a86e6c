using LinuxDevices.Uio;
using Xunit;
using static LinuxDevices.LabTests.Reliability.ReliabilityLab;
using static LinuxDevices.LabTests.Uio.UioLab;

namespace LinuxDevices.LabTests.Reliability;

/// <summary>MSI-X vector bindings (uio_msi on QEMU's e1000e, UIO_MSI_IRQ_SET to eventfds) soaked:
/// 1,000 bind/unbind cycles, each binding proven live by a raised interrupt every tenth cycle.</summary>
[Trait("Fixture", "uio-msi")]
public sealed class UioMsiReliabilityLabTests
{
    [Fact]
    public void SoakVectorBindUnbind()
    {
        Lab.Require("uio-msi");
        var nic = Nic();
        using var dev = UioDevice.Open(nic);
        using var bar0 = dev.Map(0);
        E1000Setup(bar0);
        using var msi = dev.OpenMsi();
        var vectors = msi.VectorCount;
        Assert.True(vectors > 0);
        var raised = 0;
        var figures = Soak("uio", "MSI-X vector bind (eventfd)/unbind", 1_000, i =>
        {
            using var v = msi.Bind(i % vectors); // a new eventfd, UIO_MSI_IRQ_SET
            if (i % 10 == 0)
            {
                E1000Raise(bar0, v.Vector);
                if (!v.TryWait(TimeSpan.FromSeconds(5), out var count) || count == 0)
                {
                    throw new InvalidOperationException($"cycle {i}: vector {v.Vector} did not fire on its new binding");
                }

                raised++;
            }
        }); // dispose: UIO_MSI_IRQ_SET with -1, eventfd closed
        Assert.Empty(MsiInterruptLines(nic)); // the kernel released every vector's irq
        Assert.Empty(msi.BoundVectors);
        TestContext.Current.SendDiagnosticMessage($"MSI-X soak: {raised} interrupts raised and received on fresh bindings");
    }
}
