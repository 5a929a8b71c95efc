using DistillKit.Imaging;
using DistillKit.Models.Classical;
using DistillKit.Transforms;
using TorchSharp;
using Xunit;

namespace DistillKit.Tests.Imaging;

/// <summary>
/// OpenCvSharp's runtime bundles its own libpng and libjpeg and exports them under the system libraries' symbol
/// versions. Before the kit loaded its codecs at start-up, running SLIC or Farnebäck and then writing a PNG crashed the
/// process ("double free or corruption"): libpng's internal calls had bound into OpenCV's copy.
/// </summary>
public class OpenCvCoexistenceTests
{
    [Fact]
    public void PngStillWorksAfterOpenCvRan()
    {
        using var scope = torch.NewDisposeScope();
        var frame = torch.rand(3, 64, 96);
        Slic.Segment(frame, 200);
        using (var farneback = new FarnebackFlow()) farneback.ForwardFlow(frame.unsqueeze(0), frame.unsqueeze(0));
        for (int i = 0; i < 20; i++)
        {
            var image = torch.rand(3, 120, 160);
            var png = ImageTensor.ToPng(image);
            Assert.True((Png.Decode(png).ToTensor() - image).abs().max().ToDouble() <= 1.0 / 255 + 1e-6);
        }
    }
}
