using DistillKit.Models.Backbones;
using TorchSharp;
using static TorchSharp.torch;

namespace DistillKit.Models.Pmd;

/// <summary>Checks and steps shared by the student and the teacher.</summary>
internal static class PmdHead
{
    /// <summary>Throws unless source and target are layer3 [B,C3,h,w] and layer4 [B,C4,h/2,w/2] of one shape.</summary>
    public static void CheckFeatures(PmdConfig config, ResNetFeatures source, ResNetFeatures target, string who)
    {
        var s3 = source.Layer3.shape;
        var s4 = source.Layer4.shape;
        bool ok = s3.Length == 4 && s4.Length == 4 && s3[0] == s4[0] && s3[1] == config.Layer3Channels && s4[1] == config.Layer4Channels
                  && s3[2] == 2 * s4[2] && s3[3] == 2 * s4[3]
                  && target.Layer3.shape.SequenceEqual(s3) && target.Layer4.shape.SequenceEqual(s4);
        if (!ok)
            throw new ArgumentException($"{who}: expected layer3 [B,{config.Layer3Channels},h,w] and layer4 [B,{config.Layer4Channels},h/2,w/2], " +
                $"the same for source and target; got source [{CellGrid.Shape(source.Layer3)}], [{CellGrid.Shape(source.Layer4)}] and " +
                $"target [{CellGrid.Shape(target.Layer3)}], [{CellGrid.Shape(target.Layer4)}]");
    }

    /// <summary>Source and target through the adaptation blocks in one batch (batch norm sees the 2B maps together):
    /// (source3, target3, source4, target4).</summary>
    public static (Tensor s3, Tensor t3, Tensor s4, Tensor t4) Adapt(nn.Module<Tensor, Tensor> adapt3, nn.Module<Tensor, Tensor> adapt4,
                                                                     ResNetFeatures source, ResNetFeatures target)
    {
        using var scope = torch.NewDisposeScope();
        long b = source.Layer3.size(0);
        var f3 = adapt3.forward(torch.cat([source.Layer3, target.Layer3], 0));
        var f4 = adapt4.forward(torch.cat([source.Layer4, target.Layer4], 0));
        var (s3, t3, s4, t4) = (f3.narrow(0, 0, b), f3.narrow(0, b, b), f4.narrow(0, 0, b), f4.narrow(0, b, b));
        scope.MoveToOuter(s3, t3, s4, t4);
        return (s3, t3, s4, t4);
    }
}
