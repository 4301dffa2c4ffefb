// Prints the ticket page once it is drawn (loaded by the kiosk in a hidden frame).
window.addEventListener('load', function () { setTimeout(function () { window.print(); }, 100); });
