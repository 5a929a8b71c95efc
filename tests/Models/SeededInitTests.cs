using DistillKit.Models;
using DistillKit.Models.Pwc;
using TorchSharp;
using Xunit;

namespace DistillKit.Tests.Models;

/// <summary>Tests that read TorchSharp's global generator after seeding it; they run alone, after the parallel ones.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalGeneratorCollection
{
    public const string Name = "global generator";
}

[Collection(GlobalGeneratorCollection.Name)]
public class SeededInitTests
{
    /// <summary>The seeded draws are PyTorch's default initialisation (same generator, same order, same bounds): a
    /// network built after <c>manual_seed(s)</c> and one redrawn by <see cref="SeededInit"/> from s are identical.</summary>
    [Fact]
    public void SeededDrawsEqualPyTorchsDefaultInitialisation()
    {
        torch.manual_seed(12);
        var fromGlobal = new PwcNet(PwcNetConfig.Smoke);
        torch.manual_seed(99);
        var seeded = SeededInit.Apply(new PwcNet(PwcNetConfig.Smoke), 12);
        var expected = fromGlobal.state_dict();
        foreach (var (name, value) in seeded.state_dict())
            Assert.True(value.equal(expected[name]).all().item<bool>(), $"{name} differs");
    }

    [Fact]
    public void TheGlobalGeneratorDoesNotChangeASeededNetwork()
    {
        torch.manual_seed(1);
        var a = SeededInit.Apply(new PwcNet(PwcNetConfig.Smoke), 5);
        torch.manual_seed(2);
        _ = torch.rand(1000);
        var b = SeededInit.Apply(new PwcNet(PwcNetConfig.Smoke), 5);
        var c = SeededInit.Apply(new PwcNet(PwcNetConfig.Smoke), 6);
        var sa = a.state_dict(); var sb = b.state_dict(); var sc = c.state_dict();
        Assert.All(sa, kv => Assert.True(kv.Value.equal(sb[kv.Key]).all().item<bool>(), kv.Key));
        Assert.Contains(sa, kv => !kv.Value.equal(sc[kv.Key]).all().item<bool>());
    }
}
