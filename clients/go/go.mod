module example.com/trading/clients/go

go 1.19
